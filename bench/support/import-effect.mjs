// The start-up baseline of bench/scenarios/startup.ts: a script that only imports effect and exits.
import "effect"
