import { useEffect, useRef } from "preact/hooks"
import uPlot from "uplot"

/**
 * A small time-series chart (uPlot: canvas, no inline markup or style sheets, about 20 kB gzipped),
 * one line per series, sized to its container.
 */
export const Chart = ({ title, times, series }: {
  title: string
  times: ReadonlyArray<number>
  series: ReadonlyArray<{ label: string; values: ReadonlyArray<number | null> }>
}) => {
  const box = useRef<HTMLDivElement>(null)
  useEffect(() => {
    const el = box.current
    if (el === null) return
    const colors = ["#1f6feb", "#d1242f", "#1a7f37", "#9a6700"]
    const plot = new uPlot({
      width: Math.max(240, el.clientWidth),
      height: 180,
      series: [{}, ...series.map((s, i) => ({ label: s.label, stroke: colors[i % colors.length]!, width: 2, spanGaps: true }))],
      axes: [{}, { size: 40 }],
      scales: { x: { time: true } },
      legend: { show: true }
    }, [times as Array<number>, ...series.map((s) => s.values as Array<number | null>)], el)
    const resize = () => plot.setSize({ width: Math.max(240, el.clientWidth), height: 180 })
    addEventListener("resize", resize)
    return () => {
      removeEventListener("resize", resize)
      plot.destroy()
    }
  }, [times, series])
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <div ref={box} role="img" aria-label={`${title}: ${series.map((s) => `${s.label} now ${s.values.at(-1) ?? "none"}`).join(", ")}`} />
    </figure>
  )
}
