# codeQ server image. The build stage compiles the server and the client library with the
# dev toolchain; the runtime stage holds only what `codeq` runs: dist/, proto/ and
# production dependencies (no bench, no tests, no dev dependencies).
# scripts/check-container.sh replays these steps without Docker: keep the two in step.
FROM node:22-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY proto ./proto
COPY src ./src
COPY clients ./clients
# Install scripts stay off: the image needs none of them, and `npm run build` runs on its own.
RUN npm ci --ignore-scripts && npm run build && npm prune --omit=dev

FROM node:22-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/proto ./proto
USER node
EXPOSE 7070 7071 9464
ENTRYPOINT ["node", "dist/src/cli/main.js"]
CMD ["serve"]
