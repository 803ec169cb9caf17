# One image recipe for every service: docker build --build-arg SERVICE=market-data .
# (The deployment issue completes this file: per-service production installs, HEALTHCHECK, xgboost.)
FROM node:22-bookworm-slim AS base
RUN npm install -g pnpm@12.21.0
WORKDIR /app

FROM base AS build
ARG SERVICE=market-data
COPY . .
RUN pnpm install --frozen-lockfile

FROM build AS runtime
ARG SERVICE=market-data
ENV NODE_ENV=production SERVICE=${SERVICE} PORT=8080
USER node
EXPOSE 8080
CMD ["sh", "-c", "exec node --import tsx services/${SERVICE}/src/server.ts"]
