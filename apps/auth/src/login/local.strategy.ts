import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy } from 'passport-local';
import { AppError } from '@authfarm/platform';
import type { User } from '../users/user.entity.js';
import { UsersService } from '../users/users.service.js';

/** Username and password from the login body, checked against argon2id hashes. */
@Injectable()
export class LocalStrategy extends PassportStrategy(Strategy, 'local') {
  constructor(private readonly users: UsersService) {
    super();
  }

  async validate(username: string, password: string): Promise<User> {
    const user = await this.users.authenticate(username, password);
    // Same code and body for an unknown user and a wrong password.
    if (!user) throw new AppError('INVALID_CREDENTIALS');
    return user;
  }
}
