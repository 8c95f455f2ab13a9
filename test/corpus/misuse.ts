import { BASE } from "./sitreps.ts"

/**
 * The command-line misuse corpus (issue 5): each case's arguments, exit code and sentence. Replayed
 * in direct mode by cli-misuse.test.ts and through `fm --server` by test/api/misuse.test.ts.
 */
export const admin = ["--actor", "alice", "--role", "admin"]
export const viewer = ["--actor", "victor", "--role", "viewer"]
export const impostor = ["--actor", "fm-executor", "--role", "admin"]
export const alert = BASE.cases[0]!.alertRequests[0]!.id
export const bundle = BASE.cases[0]!.supportBundleRequests[0]!.id
export const unknownId = "0d6c9a8e-2f1b-4c4e-9d55-3b1c2a7f8e01"

export interface Misuse {
  readonly name: string
  readonly args: ReadonlyArray<string>
  readonly exit: 1 | 2
  readonly message: RegExp
  readonly env?: Record<string, string>
}

const refusedForChanges = (child: string): ReadonlyArray<Misuse> => [
  ["publish", ["sitrep", "publish", child], /publishing a sitrep/i],
  ["prune", ["sitrep", "prune", "--keep", "1"], /pruning sitrep history/i],
  ["alert delete", ["alert", "delete", alert], /deleting alert \S+/i],
  ["bundle delete", ["bundle", "delete", bundle], /deleting support bundle \S+/i],
  ["bundle comment", ["bundle", "comment", bundle, "looked at it"], /commenting on support bundle \S+/i]
].flatMap(([what, args, action]) => [
  { name: `${what} by an anonymous caller`, args: args as Array<string>, exit: 1 as const, message: new RegExp(`${(action as RegExp).source} needs an actor with the admin role`, "i") },
  { name: `${what} by a viewer`, args: [...(args as Array<string>), ...viewer], exit: 1 as const, message: /victor has the viewer role; .* needs admin/ },
  { name: `${what} by an operator claiming to be fm-executor`, args: [...(args as Array<string>), ...impostor], exit: 1 as const, message: /fm-executor is the executors' own identity/ },
  { name: `${what} with an actor but no role`, args: [...(args as Array<string>), "--actor", "alice"], exit: 1 as const, message: /needs an actor with the admin role/ }
])

/** The corpus; `child` is a file holding a valid child of BASE (S(2) with parent S(1)). */
export const misuseCorpus = (child: string): ReadonlyArray<Misuse> => [
  ...refusedForChanges(child),
  { name: "a viewer named by the environment", args: ["alert", "delete", alert], env: { FM_ACTOR: "victor", FM_ROLE: "viewer" }, exit: 1, message: /viewer role/ },
  { name: "an unknown role", args: ["alert", "delete", alert, "--actor", "alice", "--role", "root"], exit: 2, message: /--role/ },
  { name: "an unknown role in the environment", args: ["alert", "list"], env: { FM_ROLE: "superuser", FM_ACTOR: "x" }, exit: 2, message: /FM_ROLE|role/ },
  { name: "an unknown command", args: ["frobnicate"], exit: 2, message: /Unknown command "frobnicate"/ },
  { name: "an unknown subcommand", args: ["sitrep", "frob"], exit: 2, message: /Unknown command "frob"/ },
  { name: "an unknown flag", args: ["status", "--colour"], exit: 2, message: /Unknown flag --colour/ },
  { name: "a missing file argument", args: ["sitrep", "publish", ...admin], exit: 2, message: /file/ },
  { name: "a missing --executor", args: ["activate"], exit: 2, message: /--executor/ },
  { name: "an alert id that is not a uuid", args: ["alert", "show", "nope"], exit: 2, message: /"nope" is not a valid id/ },
  { name: "a delete of an id that is not a uuid", args: ["alert", "delete", "1' OR '1'='1", ...admin], exit: 2, message: /is not a valid id/ },
  { name: "explain of a malformed id", args: ["explain", "123"], exit: 2, message: /"123" is not a valid id/ },
  { name: "a comment on a malformed id", args: ["bundle", "comment", "x", "text", ...admin], exit: 2, message: /"x" is not a valid id/ },
  { name: "a comment with a control character", args: ["bundle", "comment", bundle, "bad\u0007bell", ...admin], exit: 2, message: /control character/ },
  { name: "a comment over 4096 bytes", args: ["bundle", "comment", bundle, "c".repeat(4097), ...admin], exit: 2, message: /longer than 4096 bytes/ },
  { name: "sitrep version 0", args: ["sitrep", "show", "0"], exit: 2, message: /not 0/ },
  { name: "a negative sitrep version", args: ["sitrep", "show", "-1"], exit: 2, message: /./ },
  { name: "a fractional sitrep version", args: ["sitrep", "show", "1.5"], exit: 2, message: /integer/ },
  { name: "a sitrep version beyond any integer", args: ["sitrep", "show", "99999999999999999999"], exit: 2, message: /integer/ },
  { name: "a held version 0", args: ["activate", "--executor", "nexus-2", "--sitrep", "0"], exit: 2, message: /--sitrep .* not 0/ },
  { name: "keep 0", args: ["sitrep", "prune", "--keep", "0", ...admin], exit: 2, message: /--keep must be a whole number of at least 1/ },
  { name: "keep that is not a number", args: ["sitrep", "prune", "--keep", "many", ...admin], exit: 2, message: /--keep/ },
  { name: "a database URL that is not PostgreSQL", args: ["status", "--database-url", "mysql://localhost/fm"], exit: 2, message: /is not a PostgreSQL URL/ },
  { name: "a sitrep version that does not exist", args: ["sitrep", "show", "7"], exit: 1, message: /./ },
  { name: "holding a version that does not exist", args: ["activate", "--executor", "nexus-2", "--sitrep", "9"], exit: 1, message: /./ },
  { name: "showing an unknown alert", args: ["alert", "show", unknownId], exit: 1, message: /There is no alert/ },
  { name: "deleting an unknown alert", args: ["alert", "delete", unknownId, ...admin], exit: 1, message: /There is no alert/ },
  { name: "commenting on an unknown bundle", args: ["bundle", "comment", unknownId, "x", ...admin], exit: 1, message: /There is no support bundle/ }
]
