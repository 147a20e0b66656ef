// Every table, for drizzle-kit and for typed queries. Each capability owns its own schema file.
export * from '../catalog/schema'
export * from '../accounts/schema'
export * from '../renewals/schema'
export * from '../payments/schema'
export * from '../payments/reversal-schema'
export * from '../notifications/schema'
export * from '../provisioning/schema'
export * from './audit-schema'
