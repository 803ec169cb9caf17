import { ensureDashboardBuilt } from './dashboard-build.ts';

// `pnpm --filter @closecross/dashboard build`: the image build and anyone who wants dist/ ahead of a start.
const outcome = await ensureDashboardBuilt(console.log);
console.log(outcome.built ? `dashboard built in ${Math.round(outcome.ms)} ms` : 'dashboard build is current');
