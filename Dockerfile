# One image recipe for every service; pick the service with its target:
#   docker build --target market-data -t closecross/market-data .
# Targets: one per image a service declares in services/<name>/service.ts (its server, and the
# risk service's var-worker and var-lambda, the VaR Lambda function's container image); the
# tests check each declared target is a stage here whose CMD runs the declared entry. Node 24 on
# Debian bookworm slim, production dependencies only, non-root, a HEALTHCHECK on /health,
# libxgboost0 in the model image only, no secrets (all from the environment).

FROM node:24-bookworm-slim AS base
RUN npm install -g pnpm@12.21.0 && npm cache clean --force
WORKDIR /repo

# Dependencies first, so source changes do not reinstall them.
FROM base AS build
COPY package.json pnpm-lock.yaml pnpm-workspace.yaml tsconfig.base.json ./
COPY packages ./packages
COPY services ./services
# The tests package is a workspace project the lockfile names; pnpm refuses a frozen install without it.
COPY tests ./tests
RUN pnpm install --frozen-lockfile
# The dashboard's single-page app, built once here (Vite is a build-time dependency); its image serves dist/.
RUN pnpm --filter @closecross/dashboard build
# One self-contained folder per declared service (services/<name>/service.ts) with its production
# dependencies (workspace packages copied in).
RUN for folder in services/*/; do \
      name=$(basename "$folder"); \
      if [ -f "${folder}service.ts" ]; then pnpm --filter "./services/${name}" deploy --legacy --prod "/deploy/${name}"; fi; \
    done

FROM node:24-bookworm-slim AS runtime
ENV NODE_ENV=production PORT=8080 HOST=0.0.0.0
WORKDIR /app
USER node
EXPOSE 8080
HEALTHCHECK --interval=15s --timeout=3s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||8080)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]

FROM runtime AS market-data
COPY --from=build --chown=node:node /deploy/market-data /app
CMD ["node", "--import", "tsx", "src/server.ts"]

FROM runtime AS risk-analysis
COPY --from=build --chown=node:node /deploy/risk-analysis /app
CMD ["node", "--import", "tsx", "src/server.ts"]

# The VaR worker the risk service starts as ECS tasks: the same package, its worker entry, no database.
FROM runtime AS var-worker
COPY --from=build --chown=node:node /deploy/risk-analysis /app
CMD ["node", "--import", "tsx", "src/worker/server.ts"]

# The VaR Lambda function: AWS's Node 24 Lambda base image (its runtime runs the code as a
# non-root user), the risk package, and the plain-JavaScript entry that loads the TS handler.
FROM public.ecr.aws/lambda/nodejs:24 AS var-lambda
COPY --from=build /deploy/risk-analysis ${LAMBDA_TASK_ROOT}
CMD ["src/lambda/var-lambda.handler"]

FROM runtime AS ingestor
COPY --from=build --chown=node:node /deploy/ingestor /app
CMD ["node", "--import", "tsx", "src/server.ts"]

FROM runtime AS model
USER root
RUN apt-get update && apt-get install -y --no-install-recommends libxgboost0 && rm -rf /var/lib/apt/lists/*
USER node
COPY --from=build --chown=node:node /deploy/model /app
CMD ["node", "--import", "tsx", "src/server.ts"]

# The team's strategies (strategies/ at the repository root) are baked in: a deploy ships them.
FROM runtime AS trading
COPY --from=build --chown=node:node /deploy/trading /app
COPY --chown=node:node strategies /app/strategies
ENV STRATEGIES_DIR=/app/strategies
CMD ["node", "--import", "tsx", "src/server.ts"]

FROM runtime AS prices
COPY --from=build --chown=node:node /deploy/prices /app
CMD ["node", "--import", "tsx", "src/server.ts"]

# The Kinesis stand-in of docker compose (kinesalite, pinned), installed when the image is built
# so a start needs no network. Independent of the build stage: building it builds nothing else.
FROM node:24-bookworm-slim AS kinesalite
RUN npm install --global kinesalite@3.3.3 && npm cache clean --force \
  && mkdir /data && chown node:node /data
USER node
EXPOSE 4567
CMD ["kinesalite", "--port", "4567", "--path", "/data", "--createStreamMs", "0"]

# The web dashboard: serves the app built in the build stage (dist/) at /app; no Vite at run time.
FROM runtime AS dashboard
COPY --from=build --chown=node:node /deploy/dashboard /app
CMD ["node", "--import", "tsx", "src/server.ts"]
