# Stage 1: build the stylesheet with Node (GOV.UK Frontend compiled by Sass).
FROM node:20-slim AS assets
WORKDIR /build
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --no-audit --no-fund
COPY static ./static
RUN npm run build

# Stage 2: the Python application, run by gunicorn as an unprivileged user.
FROM python:3.11-slim
ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1
# Static files are collected at build time: serve them with fingerprinted names and long cache lifetimes.
ENV DJANGO_COLLECTED_STATIC=true
WORKDIR /app
COPY requirements.txt ./
RUN pip install -r requirements.txt
COPY . .
COPY --from=assets /build/static/build ./static/build
# collectstatic needs settings, and settings refuse to start without a real secret key; this
# throwaway key exists only for this build step and is never used at run time.
RUN DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
    python manage.py collectstatic --noinput \
 && useradd --system --no-create-home --uid 10001 portal \
 && mkdir -p /app/media && chown portal /app/media
# Uploaded supporting documents (FILE_STORAGE=local): the media volume in docker-compose.yml.
VOLUME /app/media
USER portal
EXPOSE 8000
# migrate also makes the database cache's table (guidance/migrations/0004_cache_table.py).
CMD ["sh", "-c", "python manage.py migrate --noinput && exec gunicorn consult.wsgi --config gunicorn.conf.py"]
