import { useEffect, useState } from 'react';
import { parseResearchProgress, runFinished, type ResearchProgress } from '../lib/research';

/**
 * A research run's live progress: the `progress` Server-Sent Events of its events route (trials
 * done, best so far), until the run ends and the server closes the stream. A stream that breaks
 * before the end leaves the last event shown; the page's view query still answers.
 */
export function useResearchProgress(eventsPath: string | null): { progress: ResearchProgress | null; error: string | null } {
  const [progress, setProgress] = useState<ResearchProgress | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    setProgress(null);
    setError(null);
    if (!eventsPath) return;
    let finished = false;
    const source = new EventSource(eventsPath);
    source.addEventListener('progress', (event) => {
      try {
        const next = parseResearchProgress((event as MessageEvent<string>).data);
        finished = runFinished(next.status);
        setProgress(next);
      } catch (failure) {
        setError((failure as Error).message);
      }
      if (finished) source.close();
    });
    source.onerror = () => {
      source.close();
      if (!finished) setError('the progress stream broke: figures below refresh from the API');
    };
    return () => source.close();
  }, [eventsPath]);
  return { progress, error };
}
