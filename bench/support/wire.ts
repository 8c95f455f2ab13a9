import * as Net from "node:net"

/**
 * Exact statement counting at the wire. `@effect/sql-pg` takes a `stream` factory for its sockets;
 * this one opens the ordinary TCP socket and reads every frontend message the driver writes on it.
 * Each statement the server runs is one `Execute` message (extended protocol: prepared or not,
 * BEGIN and COMMIT included, since the driver prepares transaction control too) or one simple
 * `Query` message. Nothing is parsed but message headers, so the cost is negligible.
 */
export interface WireCounts {
  /** Execute + simple Query messages: statements the server was asked to run. */
  statements: number
  /** Bytes the client sent (parameters included). */
  bytesSent: number
  /** Sockets opened (pool connections and cancel requests). */
  connections: number
}

export const wire: WireCounts = { statements: 0, bytesSent: 0, connections: 0 }

export const snapshotWire = (): WireCounts => ({ ...wire })

export const wireSince = (before: WireCounts): WireCounts => ({
  statements: wire.statements - before.statements,
  bytesSent: wire.bytesSent - before.bytesSent,
  connections: wire.connections - before.connections
})

const SSL_REQUEST = 80877103
const GSS_REQUEST = 80877104
const EXECUTE = 0x45 // 'E'
const QUERY = 0x51 // 'Q'

/** A frame scanner for one connection's frontend byte stream (messages may span writes). */
const scanner = () => {
  let typed = false // the first messages (SSLRequest, StartupMessage, CancelRequest) carry no type byte
  const header = Buffer.alloc(8)
  let have = 0
  let skip = 0
  return (chunk: Uint8Array) => {
    let i = 0
    while (i < chunk.length) {
      if (skip > 0) {
        const n = Math.min(skip, chunk.length - i)
        skip -= n
        i += n
        continue
      }
      const need = typed ? 5 : 8
      const n = Math.min(need - have, chunk.length - i)
      header.set(chunk.subarray(i, i + n), have)
      have += n
      i += n
      if (have < need) break
      have = 0
      if (typed) {
        const type = header[0]!
        if (type === EXECUTE || type === QUERY) wire.statements += 1
        skip = header.readInt32BE(1) - 4
      } else {
        const length = header.readInt32BE(0)
        const code = header.readInt32BE(4)
        if (code !== SSL_REQUEST && code !== GSS_REQUEST) typed = true
        skip = length - 8
      }
    }
  }
}

/** The `stream` option for `PgClient.layer`: a counted TCP socket to host:port. */
export const countingStream = (host: string, port: number) => () => {
  const socket = Net.connect({ host, port, noDelay: true })
  wire.connections += 1
  const scan = scanner()
  const write = socket.write.bind(socket) as (...args: Array<unknown>) => boolean
  socket.write = ((chunk: unknown, ...rest: Array<unknown>) => {
    if (chunk instanceof Uint8Array) {
      scan(chunk)
      wire.bytesSent += chunk.length
    } else if (typeof chunk === "string") {
      const bytes = Buffer.from(chunk)
      scan(bytes)
      wire.bytesSent += bytes.length
    }
    return write(chunk, ...rest)
  }) as typeof socket.write
  return socket
}
