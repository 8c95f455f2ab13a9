export * from "./checks.ts"
export * from "./observe.ts"
export * from "./snapshot.ts"
export * from "./tally.ts"
