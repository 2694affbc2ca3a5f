# Soglasie's production image: Apache Airflow 3.3.2 with the Soglasie core, portal and bot installed
# as a package. Every service of docker-compose.yml runs this one image: the Airflow components,
# the portal under gunicorn and the bot. The Airflow version matches requirements.txt.
ARG AIRFLOW_IMAGE=apache/airflow:3.3.2-python3.11

# durable-rules 2.0.28 (the rules engine's last release) exists only as source and needs a C
# compiler; its wheel is built here so the runtime image carries no compiler.
FROM ${AIRFLOW_IMAGE} AS wheels
USER root
RUN apt-get update \
 && apt-get install -y --no-install-recommends build-essential \
 && rm -rf /var/lib/apt/lists/*
USER airflow
RUN pip wheel --no-cache-dir --no-deps --wheel-dir /tmp/wheels "durable_rules==2.0.28"

FROM ${AIRFLOW_IMAGE}
COPY --from=wheels --chown=airflow:root /tmp/wheels /tmp/wheels
COPY --chown=airflow:root requirements.txt pyproject.toml README.md /tmp/soglasie/
COPY --chown=airflow:root soglasie /tmp/soglasie/soglasie
COPY --chown=airflow:root webapp /tmp/soglasie/webapp
# devstack/ (`make run`'s process supervisor) is left out: here compose runs each service.
# Packages the image lacks are pinned to requirements.txt (the versions the tests ran with); what
# the image already has keeps the image's versions, which match its bundled providers.
# The portal's Russian catalogue is compiled (.po → .mo) in the installed package, so that a
# read-only container never compiles it at start (.mo files are not in git nor in the context).
RUN pip freeze | sed -E 's/[=@ ].*//' | tr 'A-Z_.' 'a-z--' | sort -u > /tmp/image-packages.txt \
 && grep -vE '^\s*(#|$)' /tmp/soglasie/requirements.txt \
    | awk -F'==' 'NR==FNR {have[$1]; next} {n=tolower($1); gsub(/[_.]/, "-", n); if (!(n in have)) print}' \
        /tmp/image-packages.txt - > /tmp/constraints.txt \
 && pip install --no-cache-dir --constraint /tmp/constraints.txt \
        "apache-airflow==${AIRFLOW_VERSION}" /tmp/wheels/durable_rules-*.whl /tmp/soglasie \
 && pybabel compile -d "$(python -c 'import importlib.util as u; print(u.find_spec("webapp").submodule_search_locations[0])')/translations" \
 && rm -rf /tmp/wheels /tmp/soglasie /tmp/image-packages.txt /tmp/constraints.txt

# Not code: the rule files (a deployment may mount its own over them), the DAGs and the plugin.
COPY --chown=airflow:root rules /opt/soglasie/rules
COPY --chown=airflow:root dags /opt/airflow/dags
COPY --chown=airflow:root plugins /opt/airflow/plugins
# A named volume mounted here starts with this directory's owner (airflow, group root, group-writable
# for a different AIRFLOW_UID).
USER root
RUN mkdir -p /opt/soglasie/data \
 && chown -R airflow:root /opt/soglasie \
 && chmod -R g+rwX /opt/soglasie/data
USER airflow
ENV SOGLASIE_RULES_DIR=/opt/soglasie/rules \
    SOGLASIE_DATA_DIR=/opt/soglasie/data
