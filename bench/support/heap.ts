/** The live heap after a full collection (a child process the bench runs with --expose-gc). */
export const liveHeap = (): number => {
  ;(globalThis as { gc?: () => void }).gc?.()
  return process.memoryUsage().heapUsed
}
