import { Injectable } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import { QueryFailedError, Repository } from 'typeorm';
import { AppError } from '@authfarm/platform';
import { PasswordHasher } from './password-hasher.js';
import { User } from './user.entity.js';

const UNIQUE_VIOLATION = '23505';

/** Registration and password checks. Database failures become 503, never 500. */
@Injectable()
export class UsersService {
  constructor(
    @InjectRepository(User) private readonly users: Repository<User>,
    private readonly hasher: PasswordHasher,
  ) {}

  async register(username: string, password: string): Promise<User> {
    const passwordHash = await this.hasher.hash(password);
    try {
      return await this.users.save(this.users.create({ username, passwordHash }));
    } catch (error) {
      const code = (error as QueryFailedError & { driverError?: { code?: string } }).driverError
        ?.code;
      if (error instanceof QueryFailedError && code === UNIQUE_VIOLATION) {
        throw new AppError('USERNAME_TAKEN');
      }
      throw databaseUnavailable(error);
    }
  }

  async byId(id: string): Promise<User | undefined> {
    const user = await this.users.findOneBy({ id }).catch((error: unknown) => {
      throw databaseUnavailable(error);
    });
    return user ?? undefined;
  }

  /** The user for a correct username and password; undefined otherwise, in about equal time. */
  async authenticate(username: string, password: string): Promise<User | undefined> {
    const user = await this.users
      .createQueryBuilder('user')
      .where('lower(user.username) = lower(:username)', { username })
      .getOne()
      .catch((error: unknown) => {
        throw databaseUnavailable(error);
      });
    if (!user) return this.hasher.verifyNothing(password).then(() => undefined);
    return (await this.hasher.verify(user.passwordHash, password)) ? user : undefined;
  }
}

export function databaseUnavailable(error: unknown): AppError {
  return new AppError('DATABASE_UNAVAILABLE', `postgres: ${(error as Error).message}`, {
    cause: error,
  });
}
