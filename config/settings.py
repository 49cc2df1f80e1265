"""Settings for 新优质学校评估系统.

One module for every environment: production differs only by environment variables
(see README "配置"), never by a separate code path.
"""

import os
from datetime import timedelta
from decimal import Decimal
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: str = "False") -> bool:
    return os.environ.get(name, default).strip().lower() in {"1", "true", "yes", "on"}


def envint(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def envlist(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = envbool("DEBUG", "False")
# With DEBUG on, the product's own error pages are still shown unless a developer asks for Django's.
DEBUG_TECHNICAL_PAGES = envbool("DEBUG_TECHNICAL_PAGES", "False")
# A fixed development key only when DEBUG is on; production must set SECRET_KEY.
SECRET_KEY = os.environ.get("SECRET_KEY") or (
    "dev-insecure-key-only-for-local-debug" if DEBUG else ""
)
if not SECRET_KEY:
    from django.core.exceptions import ImproperlyConfigured

    raise ImproperlyConfigured("生产环境必须设置 SECRET_KEY 环境变量（或在开发时设置 DEBUG=1）。")

# Signs backup manifests (ops/backup.py). Set the same value on the server that restores; by
# default it is the SECRET_KEY, so a backup restores only where that key is configured.
BACKUP_KEY = os.environ.get("BACKUP_KEY") or SECRET_KEY

ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", "127.0.0.1,localhost" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS")

DATA_DIR = Path(os.environ.get("DATA_DIR", BASE_DIR / "data"))

INSTALLED_APPS = [
    "django.contrib.admin",
    # Before django.contrib.auth: its changepassword replaces Django's (三权分立, accounts.overrides).
    "accounts.overrides",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "crispy_forms",
    "crispy_bootstrap5",
    "django_htmx",
    "simple_history",
    "django_tasks",
    "django_tasks_db",
    "axes",
    "csp",
    "django_otp",
    "django_otp.plugins.otp_totp",
    "django_otp.plugins.otp_static",
    "accounts",
    "schools",
    "rubric",
    "evaluation",
    "selfassessment",
    "reports",
    "audit",
    "ops",
    "twofactor",  # after django-otp's plugins: its admin module unregisters theirs
    "analytics",
    "notifications",
    "recognition",
    "rectification",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",  # Swagger UI's files, served from our static files (no CDN)
    "api",
    "surveys",
    "calibration",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "csp.middleware.CSPMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A NUL in the path, query or a form field is a 400 before any view or query sees it.
    "config.middleware.RejectNulMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    "django.contrib.auth.middleware.LoginRequiredMiddleware",
    # The second factor before anything else a signed-in session may do (password change included).
    "twofactor.middleware.SecondFactorMiddleware",
    "accounts.middleware.PasswordExpiryMiddleware",
    "audit.middleware.DenialAuditMiddleware",
    # Only under DEBUG (the demo): Chinese 404/400/500 pages instead of Django's technical ones.
    "config.middleware.DebugErrorPagesMiddleware",
    # Last, as django-axes requires: turns a lockout flagged during authenticate() into the 429 page.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "accounts.context_processors.role_flags",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"

# The rubric draft editor posts every item of the tree with its evidence requirements
# (84 elements × about a dozen fields for the Xi'an rubric): more than Django's default 1000.
DATA_UPLOAD_MAX_NUMBER_FIELDS = 5000

DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'db.sqlite3'}",
        conn_max_age=envint("CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL and a busy timeout let the dev server and db_worker share the file.
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
    {"NAME": "accounts.validators.CharacterClassValidator"},
    # Common passwords and their variants, keyboard runs, the holder's names (zxcvbn).
    {"NAME": "accounts.validators.PatternValidator"},
]
# Forces a change at the next request once the password is older than this (0 disables).
PASSWORD_EXPIRY_DAYS = envint("PASSWORD_EXPIRY_DAYS", 90)

# 三权分立: 系统管理员, 安全管理员 and 审计管理员 are never combined; a pair of one of them with a
# business role (督导专家, 教育局) is refused unless listed here, e.g. "管理员+督导专家".
ROLE_ALLOWED_PAIRS = envlist("ROLE_ALLOWED_PAIRS")

AUTHENTICATION_BACKENDS = [
    # Refuses locked-out username+IP pairs before any password is checked (django-axes).
    "accounts.backends.LockoutBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AXES_FAILURE_LIMIT = envint("LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = timedelta(minutes=envint("LOGIN_LOCKOUT_MINUTES", 15))
# Lock the pair, not the IP: a school's inspectors often share one NAT address.
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"
# Password spraying (one password over many usernames from one address): after failures for
# this many different usernames within LOGIN_LOCKOUT_MINUTES, the address may not log in until
# the window has passed. Higher than the per-account limit: a school shares one NAT address.
LOGIN_ADDRESS_USERNAME_LIMIT = envint("LOGIN_ADDRESS_USERNAME_LIMIT", 10)
AXES_HTTP_RESPONSE_CODE = 429
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "audit.services.client_ip"
AXES_VERBOSE = False

# Two-factor login (django-otp TOTP + recovery codes): required for 管理员, 安全管理员 and 审计管理员,
# optional for others; TWO_FACTOR_ALL=1 requires it for every account.
TWO_FACTOR_ALL = envbool("TWO_FACTOR_ALL", "False")
OTP_TOTP_ISSUER = "新优质学校评估系统"
# django-otp's exponential back-off is replaced by the login's lockout rule (twofactor.services).
OTP_TOTP_THROTTLE_FACTOR = 0
OTP_STATIC_THROTTLE_FACTOR = 0

LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "accounts:home"
LOGOUT_REDIRECT_URL = "accounts:login"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文"))]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "staticfiles"))
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
MEDIA_URL = "/media/"  # never served directly: evidence goes through a permission-checking view

STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "whitenoise.storage.CompressedManifestStaticFilesStorage"
            if not DEBUG and envbool("STATIC_MANIFEST", "True")
            else "django.contrib.staticfiles.storage.StaticFilesStorage"
        )
    },
}
WHITENOISE_USE_FINDERS = DEBUG

CRISPY_ALLOWED_TEMPLATE_PACKS = "bootstrap5"
CRISPY_TEMPLATE_PACK = "bootstrap5"

# Evidence uploads (佐证材料)
EVIDENCE_MAX_BYTES = envint("EVIDENCE_MAX_MB", 20) * 1024 * 1024

# Exports (issue 17): the district/city workbook of more schools than this is not built inside a
# web request; the page starts a background job (reports.tasks) and the file is downloaded from it.
EXPORT_INLINE_MAX_SCHOOLS = envint("EXPORT_INLINE_MAX_SCHOOLS", 200)
# Every other table export (reports.background registry) of more rows than this asks for
# confirmation and is built by a background job instead of inside the request.
EXPORT_INLINE_MAX_ROWS = envint("EXPORT_INLINE_MAX_ROWS", 5000)

# Analytics (issue 15): an inspector is flagged lenient/strict when the 95 % interval of their
# mean deviation excludes 0 and |deviation| exceeds this share of the points at stake; 差异系数
# groups with fewer schools than this are shown but marked.
ANALYTICS_LENIENCY_SHARE = Decimal(os.environ.get("ANALYTICS_LENIENCY_SHARE", "0.1"))
ANALYTICS_CV_MIN_SCHOOLS = envint("ANALYTICS_CV_MIN_SCHOOLS", 5)

# Recognition (issue 14): the 公示 lasts at least this many calendar days, first day included; the
# read-only public page of a 公示 notice (no login) exists only when PUBLIC_NOTICE=1; a recognition
# is valid for RECOGNITION_VALID_YEARS years from its date.
RECOGNITION_PUBLICITY_DAYS = envint("RECOGNITION_PUBLICITY_DAYS", 7)
PUBLIC_NOTICE_ENABLED = envbool("PUBLIC_NOTICE", "False")
# 满意度问卷: the public answer page (/survey/, no login) is rate-limited per client address and per
# campaign, requests per minute (surveys.ratelimit; the cache must be shared between workers to hold).
# The slips print SURVEY_PUBLIC_BASE_URL (the address parents' phones reach, e.g. https://pg.example.cn);
# empty: the address of the request that generates them.
SURVEY_RATE_PER_ADDRESS = envint("SURVEY_RATE_PER_ADDRESS", 120)
SURVEY_RATE_PER_CAMPAIGN = envint("SURVEY_RATE_PER_CAMPAIGN", 3000)
SURVEY_PUBLIC_BASE_URL = os.environ.get("SURVEY_PUBLIC_BASE_URL", "")
RECOGNITION_VALID_YEARS = envint("RECOGNITION_VALID_YEARS", 3)
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_PERMISSIONS = 0o640

# Notification email (notifications.tasks, sent by the background worker). SMTP when EMAIL_HOST is
# set; otherwise the console backend (the demo prints each email in the worker's log).
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "django.core.mail.backends.smtp.EmailBackend" if EMAIL_HOST else "django.core.mail.backends.console.EmailBackend",
)
EMAIL_PORT = envint("EMAIL_PORT", 587)
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = envbool("EMAIL_USE_TLS", "True")
EMAIL_USE_SSL = envbool("EMAIL_USE_SSL", "False")
EMAIL_TIMEOUT = envint("EMAIL_TIMEOUT", 20)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "新优质学校评估系统 <noreply@localhost>")
# The address links in emails start with (e.g. https://pinggu.example.cn); empty: paths only.
SITE_URL = os.environ.get("SITE_URL", "")

# Background work through Django's tasks API; Redis/RQ is optional for scale-out.
TASK_BACKEND = os.environ.get("TASK_BACKEND", "database")
if TASK_BACKEND == "rq":
    # django_rq provides the `rqworker` command and the queue connections the backend uses.
    INSTALLED_APPS += ["django_rq", "django_tasks_rq"]
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {"default": {"URL": os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")}}
    # Workers (`manage.py rqworker default`) must run jobs with the backend's job class, which
    # knows how to call a django-tasks Task; rq's plain Job fails with "'Task' object is not callable".
    RQ = {"JOB_CLASS": "django_tasks_rq.backend.Job"}
elif TASK_BACKEND == "immediate":
    TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
else:
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

# Security: secure defaults whenever DEBUG is off.
SECURE_SSL_REDIRECT = envbool("SECURE_SSL_REDIRECT", str(not DEBUG))
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if envbool("BEHIND_PROXY", "False") else None
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not DEBUG
SECURE_HSTS_PRELOAD = not DEBUG
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SESSION_COOKIE_SECURE = envbool("SESSION_COOKIE_SECURE", str(not DEBUG))
CSRF_COOKIE_SECURE = envbool("CSRF_COOKIE_SECURE", str(not DEBUG))
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_AGE = envint("SESSION_IDLE_MINUTES", 30) * 60
SESSION_SAVE_EVERY_REQUEST = True  # idle timeout: each request extends the session
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
CSRF_FAILURE_VIEW = "accounts.views.csrf_failure"

# Content-Security-Policy (django-csp 4): no inline or eval'd script anywhere; JS comes from
# static files and data from data-* attributes or json_script.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "style-src-elem": ["'self'"],
        # Inline style *attributes* only (never <style> blocks): Bootstrap's progress bars and
        # ECharts' tooltips/canvas wrappers write style="" into markup they generate. Browsers
        # without style-src-attr fall back to style-src 'self' and merely lose that cosmetics.
        "style-src-attr": ["'unsafe-inline'"],
        # data: for the small SVG icons Bootstrap embeds in its CSS (toggler, form checks).
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    },
}

# Open interfaces (issue 17): the REST API under /api/v1/, its OpenAPI schema at /api/schema/ and
# Swagger UI at /api/docs/. Personal tokens (Authorization: Bearer …) or the signed-in session.
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "api.authentication.BearerTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": [
        "rest_framework.permissions.IsAuthenticated",
        "api.permissions.TokenScope",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "api.pagination.Pagination",
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "api.exceptions.handler",
    # Per token (or per account for session requests), counted in the default cache.
    "DEFAULT_THROTTLE_CLASSES": ["api.throttling.TokenRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"token": os.environ.get("API_RATE", "600/min")},
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
}
SPECTACULAR_SETTINGS = {
    "TITLE": "新优质学校评估系统 开放接口",
    "DESCRIPTION": "评估细则、区县与学校、评估批次、学校评估、总分与排名、质量分析、认定状态；学校导入、专家评分与提交。"
                   "认证：在“API 令牌”页面创建个人令牌，请求头 Authorization: Bearer <令牌>。",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SERVE_PERMISSIONS": ["rest_framework.permissions.IsAuthenticated"],
    "SCHEMA_PATH_PREFIX": r"/api/v1",
    "COMPONENT_SPLIT_REQUEST": True,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    # No deep links: they put a link inside each operation's toggle button (axe: nested-interactive).
    "SWAGGER_UI_SETTINGS": {"deepLinking": False},
    "ENUM_NAME_OVERRIDES": {},
}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
