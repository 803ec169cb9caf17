import { QueryClientProvider } from '@tanstack/react-query';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { setDeskTimeZone } from './lib/format';
import { queryClient } from './lib/query';
import './styles.css';

// The desk's time zone first, so no time is ever drawn in another zone; without it, UTC (labelled).
try {
  const config = (await (await fetch('/app/config', { credentials: 'same-origin' })).json()) as { timezone?: string };
  if (config.timezone) setDeskTimeZone(config.timezone);
} catch {
  // An older server without /app/config: times stay in UTC, and say so.
}

createRoot(document.getElementById('root')!).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <App />
    </QueryClientProvider>
  </StrictMode>,
);
