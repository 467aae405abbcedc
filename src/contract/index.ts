export * from './schemas';
export * from './termination';
export * from './version';
export * from './paths';
export * from './slug';
export * from './install-commands';
export * from './notifications';
export * from './tokens';
