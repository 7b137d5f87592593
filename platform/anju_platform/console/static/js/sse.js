// Server-sent events over fetch(): EventSource cannot send an Authorization header.

// A parser for the text/event-stream format (WHATWG HTML, "event stream
// interpretation"): feed it text chunks, it calls onMessage({event, data, id}).
export function sseParser(onMessage) {
  let buf = '';
  let data = [];
  let event = '';
  let id = null;
  let lastId = null;
  const line = (l) => {
    if (l === '') {
      if (data.length) onMessage({ event: event || 'message', data: data.join('\n'), id: lastId });
      data = [];
      event = '';
      return;
    }
    if (l.startsWith(':')) return; // comment (heartbeat)
    const i = l.indexOf(':');
    const field = i < 0 ? l : l.slice(0, i);
    let value = i < 0 ? '' : l.slice(i + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (field === 'data') data.push(value);
    else if (field === 'event') event = value;
    else if (field === 'id' && !value.includes('\0')) {
      id = value;
      lastId = id;
    }
  };
  return {
    feed(chunk) {
      buf += chunk;
      // A trailing '\r' may be the first half of '\r\n': keep it for the next chunk.
      const hold = buf.endsWith('\r') ? '\r' : '';
      if (hold) buf = buf.slice(0, -1);
      const parts = buf.split(/\r\n|\r|\n/);
      buf = parts.pop() + hold;
      for (const l of parts) line(l);
    },
    get lastId() {
      return lastId;
    },
  };
}

// Read /stream until `signal` aborts; reconnect (with Last-Event-ID) when it ends.
// lastId: resume after this notification id from the start (what came while away).
// onState('live' | 'reconnecting' | 'unavailable').
export function openStream(path, { signal, onMessage, onState, authHeaders, lastId = null }) {
  let last = lastId === null ? null : String(lastId);
  const run = async () => {
    while (!signal.aborted) {
      try {
        const headers = authHeaders({ Accept: 'text/event-stream' });
        if (last) headers['Last-Event-ID'] = last;
        const res = await fetch(path, { headers, signal });
        if (!res.ok || !res.body) {
          onState(res.status === 404 ? 'unavailable' : 'reconnecting', res.status);
          if (res.status === 401 || res.status === 403) return;
        } else {
          onState('live');
          const parser = sseParser(onMessage);
          const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
          for (;;) {
            const { value, done } = await reader.read();
            if (done) break;
            parser.feed(value);
            if (parser.lastId) last = parser.lastId;
          }
          onState('reconnecting');
        }
      } catch {
        if (signal.aborted) return;
        onState('reconnecting');
      }
      await new Promise((r) => setTimeout(r, 2000));
    }
  };
  run();
}
