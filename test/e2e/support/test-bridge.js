// Stands in for the Electron preload in the browser specs: window.coffer with the same shape,
// carried to the real main-process handlers over fetch (calls) and server-sent events (events).
// Dropped files: Chromium gives a page no path for a File, so this stand-in for webUtils knows
// the paths of the names a spec dropped (window.__cofferPaths); any other File is "not on disk".
(() => {
  const listeners = new Map();
  const events = new EventSource('/__coffer/events');
  // A spec that makes the server send an event must first know this page is listening:
  // an event sent before the stream opens reaches nobody (the menu spec hung on that once).
  window.__cofferEventsOpen = false;
  events.onopen = () => {
    window.__cofferEventsOpen = true;
  };
  events.onmessage = (message) => {
    const { event, payload } = JSON.parse(message.data);
    for (const listener of listeners.get(event) ?? []) listener(payload);
  };
  window.__cofferPaths = window.__cofferPaths ?? {};
  window.coffer = {
    invoke: async (channel, payload) => {
      const response = await fetch('/__coffer/invoke', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ channel, payload }),
      });
      const result = await response.json();
      // Previews come over HTTP here instead of the coffer-media: scheme.
      if (channel === 'media:open' && result.ok)
        result.value.url = result.value.url.replace('coffer-media://media/', '/__coffer/media/');
      return result;
    },
    on: (event, listener) => {
      const set = listeners.get(event) ?? new Set();
      set.add(listener);
      listeners.set(event, set);
      return () => set.delete(listener);
    },
    registerDroppedFiles: async (files) => {
      const paths = [];
      const notOnDisk = [];
      for (const file of files) {
        const path = file instanceof File ? (window.__cofferPaths[file.name] ?? '') : '';
        if (path) paths.push(path);
        else notOnDisk.push(String(file?.name ?? ''));
      }
      if (paths.length === 0) return { ok: true, value: { files: [], not_on_disk: notOnDisk } };
      const response = await fetch('/__coffer/preload', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ channel: 'files:register-drop', payload: { paths } }),
      });
      const granted = await response.json();
      return granted.ok ? { ok: true, value: { files: granted.value.files, not_on_disk: notOnDisk } } : granted;
    },
  };
})();
