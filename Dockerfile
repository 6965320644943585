# Multi-stage build of the deskflow endpoint for docker-compose.yml.
FROM rust:1.90-bookworm AS build
WORKDIR /src
COPY . .
# only the endpoint: the CLI, the local stack and the benchmark stay out of the image
RUN cargo build --release -p deskflow-server --bin deskflow-server

FROM debian:bookworm-slim
RUN apt-get update && apt-get install -y --no-install-recommends ca-certificates curl && rm -rf /var/lib/apt/lists/*
COPY --from=build /src/target/release/deskflow-server /usr/local/bin/deskflow-server
ENV DESKFLOW_ENDPOINT_ADDR=0.0.0.0:9080 DESKFLOW_HTTP_ADDR=0.0.0.0:9081
EXPOSE 9080 9081
HEALTHCHECK --interval=5s --timeout=3s --retries=20 CMD curl -fsS http://127.0.0.1:9081/health || exit 1
ENTRYPOINT ["deskflow-server"]
CMD ["serve"]
