import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'authfarm:public';

/** Opts a route out of the app's global authentication guard. */
export const Public = (): MethodDecorator & ClassDecorator => SetMetadata(IS_PUBLIC, true);
