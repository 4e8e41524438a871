# régua runner for `regua serve` (webhooks, schedule, admin API), usually on PostgreSQL.
# Build: docker build -t regua --build-arg PLUGINS="@regua/connector-sap-b1 @regua/channel-whatsapp" .
# Run:   docker run -v $PWD/config:/config -e REGUA_ADMIN_TOKEN=… -p 8080:8080 regua
# See docs/installing.md ("Container").
FROM node:24-bookworm-slim
ARG REGUA_VERSION=latest
ARG PLUGINS="@regua/connector-sap-b1 @regua/channel-whatsapp"
ENV NODE_ENV=production NPM_CONFIG_UPDATE_NOTIFIER=false
RUN npm install -g --omit=dev "@regua/runner@${REGUA_VERSION}" ${PLUGINS} && npm cache clean --force
USER node
WORKDIR /config
EXPOSE 8080
HEALTHCHECK --interval=30s --timeout=5s CMD node -e "fetch('http://127.0.0.1:8080/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
ENTRYPOINT ["regua"]
CMD ["--config", "/config/regua.yaml", "run"]
