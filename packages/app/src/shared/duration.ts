import { Duration, Option } from "effect"

/**
 * One duration syntax for every flag and variable (issue 25.9): the short forms `500ms`, `45s`,
 * `10m`, `12h`, `90d`, `2w`, or anything effect's Duration reads ("10 seconds", "90 days").
 * Returns the text effect's Duration reads.
 */
export const expandDurationShorthand = (text: string): string => {
  const short = /^(\d{1,9})(ms|s|m|h|d|w)$/.exec(text.trim())
  const units = { ms: "millis", s: "seconds", m: "minutes", h: "hours", d: "days", w: "weeks" } as const
  return short === null ? text.trim() : `${short[1]} ${units[short[2] as keyof typeof units]}`
}

/** A finite duration in that syntax, or none; each caller bounds it and words its own refusal. */
export const parseDuration = (text: string): Option.Option<Duration.Duration> =>
  Option.filter(Duration.fromInput(expandDurationShorthand(text) as Duration.Input), Duration.isFinite)
