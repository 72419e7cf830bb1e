# syntax=docker/dockerfile:1
# OctoISP in a container: the Swift toolchain builds a release binary, Debian builds the dashboard,
# and the runtime image is debian:bookworm-slim with only the libraries the binary loads.
#   docker build -t octoisp .
#   docker run --env-file octoisp.env octoisp serve --roles api
# See deploy/docker-compose.yml and docs/operations.md#packaging.

ARG SWIFT_VERSION=6.3.1

FROM swift:${SWIFT_VERSION}-bookworm AS build
RUN apt-get update -q && apt-get install -y -q --no-install-recommends \
        libssl-dev libcairo2-dev libpango1.0-dev pkg-config \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
# Dependencies first, so a source change does not fetch them again.
COPY Package.* ./
RUN swift package resolve
COPY Sources ./Sources
COPY Tests ./Tests
RUN swift build -c release --product octoisp --static-swift-stdlib \
    && swift build -c release --product octoisp-snmp --static-swift-stdlib \
    && mkdir -p /out \
    && cp "$(swift build -c release --show-bin-path)/octoisp" "$(swift build -c release --show-bin-path)/octoisp-snmp" /out/ \
    && cp -R "$(swift build -c release --show-bin-path)"/*.resources /out/

# The dashboard, from Debian's packaged React, TypeScript, esbuild and Chart.js (as scripts/setup.sh).
FROM debian:bookworm AS web
RUN apt-get update -q && apt-get install -y -q --no-install-recommends \
        nodejs esbuild node-typescript node-react node-react-dom node-csstype node-prop-types node-chart.js librsvg2-bin \
    && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY web ./web
COPY scripts/web-build.sh ./scripts/
RUN scripts/web-build.sh

FROM debian:bookworm-slim
# Runtime libraries: TLS, cairo/pango for PDF reports and their fonts, curl and libxml2 for Foundation,
# the IANA and IEEE registries the fingerprinter reads, and pg_dump/pg_restore for backup and restore.
RUN apt-get update -q && apt-get install -y -q --no-install-recommends \
        ca-certificates tzdata libssl3 libcurl4 libxml2 libglib2.0-0 libcairo2 libharfbuzz0b libpango-1.0-0 libpangocairo-1.0-0 fonts-dejavu-core \
        libwireshark-data ieee-data postgresql-client-15 \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --home-dir /var/lib/octoisp --create-home --shell /usr/sbin/nologin octoisp
COPY --from=build /out/ /usr/local/bin/
COPY --from=web /src/web/dist /usr/share/octoisp/web
ENV OCTOISP_HTTP_HOST=0.0.0.0 \
    OCTOISP_CWMP_HOST=0.0.0.0 \
    OCTOISP_METRICS_LISTEN=0.0.0.0:9464 \
    OCTOISP_WEB_DIR=/usr/share/octoisp/web \
    OCTOISP_FILES_DIR=/var/lib/octoisp/files
USER octoisp
WORKDIR /var/lib/octoisp
EXPOSE 8080 7547 9464
ENTRYPOINT ["/usr/local/bin/octoisp"]
CMD ["serve"]
