/**
 * Plain aligned text (SPEC 6: "aligned, plain"). A row is a label and a value; numbers are
 * right-aligned in one column so counts line up, anything after them follows a gap.
 */
export type Row =
  | { readonly label: string; readonly count: number | bigint; readonly note?: string | undefined }
  | { readonly label: string; readonly text: string }
  /** A line shown as is (a sentence that does not fit the label/value shape). */
  | { readonly line: string }

export const count = (label: string, value: number | bigint, note?: string): Row => ({ label, count: value, note })
export const text = (label: string, value: string): Row => ({ label, text: value })
export const line = (value: string): Row => ({ line: value })

export const renderRows = (rows: ReadonlyArray<Row>, indent = ""): Array<string> => {
  const labelled = rows.filter((r): r is Exclude<Row, { line: string }> => "label" in r)
  const labelWidth = Math.max(0, ...labelled.map((r) => r.label.length + 1)) + 2
  const countWidth = Math.max(1, ...labelled.map((r) => ("count" in r ? String(r.count).length : 0)))
  return rows.map((r) => {
    if ("line" in r) return `${indent}${r.line}`
    const label = `${r.label}:`.padEnd(labelWidth)
    if ("text" in r) return `${indent}${label}${r.text}`
    const value = String(r.count).padStart(countWidth)
    return `${indent}${label}${value}${r.note ? `   ${r.note}` : ""}`
  })
}

/** A list of records as columns with a header line (alert list, bundle list). */
export const renderColumns = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)))
  const format = (cells: ReadonlyArray<string>) => cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join("  ")
  return [format(header), ...rows.map(format)].join("\n")
}

export const yesNo = (b: boolean): string => (b ? "yes" : "no")

export const plural = (n: number | bigint, one: string, many = `${one}s`): string => `${n} ${n === 1 || n === 1n ? one : many}`
