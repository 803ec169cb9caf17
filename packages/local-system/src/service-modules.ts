import { marketDataService } from '@closecross/market-data';
import { riskAnalysisService } from '@closecross/risk-analysis';
import type { ServiceModule } from '@closecross/platform';

/** Every service, mounted together at the same paths the ALB routes to each. */
export const serviceModules: ServiceModule<any>[] = [marketDataService, riskAnalysisService];
