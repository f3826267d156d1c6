# Vigil image, hand-written: kept only while compose/docker-compose.yml builds vigil:dev from it.
# The image is built by Jib: ./mvnw -B -ntp -Pimage -pl cli -am verify (cli/target/vigil-image.tar,
# `docker load -i` it; ADR 0080). Like that one, this copies only the production lib/.
# Build from the repository root: docker build -t vigil:dev .
FROM maven:3.9-eclipse-temurin-17 AS build
WORKDIR /src
COPY . .
RUN mvn -B -ntp -DskipTests -pl cli -am package

FROM eclipse-temurin:17-jre
# /var/lib/vigil/state exists and belongs to uid 10001, so a new named volume mounted there
# (compose/docker-compose.yml) takes that owner.
RUN useradd --system --uid 10001 --home /var/lib/vigil vigil && mkdir -p /var/lib/vigil/state \
    && chown -R vigil /var/lib/vigil
COPY --from=build /src/cli/target/vigil.jar /opt/vigil/vigil.jar
COPY --from=build /src/cli/target/lib /opt/vigil/lib
USER 10001
WORKDIR /var/lib/vigil
ENTRYPOINT ["java", "-XX:MaxRAMPercentage=75", "-jar", "/opt/vigil/vigil.jar"]
CMD ["--help"]
