export * from './ip.ts';
export * from './cidr.ts';
