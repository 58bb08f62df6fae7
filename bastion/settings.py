"""Bastion's one settings file.

Every value comes from the environment, with a safe default for local use: the embedded default
is SQLite in the project folder, mail printed to the console, and cookies that work over plain
http://127.0.0.1. Set SITE_URL to an https:// address in production and the cookies become
secure and HSTS is sent. The README lists every variable.
"""

from __future__ import annotations

import os
import warnings
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.csp import CSP

BASE_DIR = Path(__file__).resolve().parent.parent


def envbool(name: str, default: bool) -> bool:
    value = os.getenv(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in ("1", "true", "yes", "on")


def envint(name: str, default: int) -> int:
    value = os.getenv(name)
    return int(value) if value else default


def envlist(name: str, default: list[str]) -> list[str]:
    value = os.getenv(name)
    if not value:
        return default
    return [item.strip() for item in value.split(",") if item.strip()]


DEBUG = envbool("DEBUG", False)
SITE_URL = os.getenv("SITE_URL", "http://127.0.0.1:8000").rstrip("/")
SITE_NAME = os.getenv("SITE_NAME", "Bastion")
BASTION_VERSION = "0.1.0"
HTTPS = SITE_URL.startswith("https://")

_DEV_SECRET = "bastion-local-development-key-not-for-production"
SECRET_KEY = os.getenv("SECRET_KEY", _DEV_SECRET)
if HTTPS and SECRET_KEY == _DEV_SECRET:
    raise ImproperlyConfigured(
        "Set SECRET_KEY: Bastion will not serve https with the development key."
    )

_site_host = urlsplit(SITE_URL).hostname or "127.0.0.1"
ALLOWED_HOSTS = envlist("ALLOWED_HOSTS", sorted({_site_host, "127.0.0.1", "localhost"}))
CSRF_TRUSTED_ORIGINS = envlist("CSRF_TRUSTED_ORIGINS", [SITE_URL])
if envbool("TRUST_PROXY_HEADERS", False):
    # Behind a reverse proxy that terminates TLS and sets X-Forwarded-Proto.
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    USE_X_FORWARDED_HOST = True
# How many reverse proxies of ours stand in front of Bastion, each appending the address it was
# reached from to X-Forwarded-For (nginx: $proxy_add_x_forwarded_for). The client is the entry
# that many places from the right; 0 ignores the header. Set wrong, everyone behind the proxy
# shares its address, and one stranger's failed sign-ins lock out every school. The sign-in
# throttle, the signing links' throttle and the audit trail all read it (bastion/core/clients.py).
TRUSTED_PROXY_COUNT = envint("TRUSTED_PROXY_COUNT", 0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is a number of proxies: 0 or more.")
ALLAUTH_TRUSTED_PROXY_COUNT = TRUSTED_PROXY_COUNT  # allauth's own reading agrees with Bastion's

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "allauth",
    "allauth.account",
    "allauth.mfa",
    "bastion.core",
    "bastion.accounts",
    "bastion.notify",
    "bastion.people",
    "bastion.equipment",
    "bastion.incidents",
    "bastion.agreements",
    "bastion.systems",
    "bastion.assets",
    "bastion.offsite",
    "bastion.housekeeping",
    "bastion.filtering",
    "bastion.controls",
    "bastion.policy",
    "bastion.backups",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "allauth.account.middleware.AccountMiddleware",
    "bastion.accounts.middleware.NoStoreMiddleware",
    "bastion.accounts.middleware.IdleLockMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "bastion.accounts.middleware.MFAEnrolmentMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django.middleware.csp.ContentSecurityPolicyMiddleware",
]

ROOT_URLCONF = "bastion.urls"
WSGI_APPLICATION = "bastion.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "bastion" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.csp",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "bastion.core.context.navigation",
            ],
        },
    }
]

# Database: SQLite by default, PostgreSQL in production (DATABASE_URL=postgres://...).
DATABASES = {
    "default": dj_database_url.parse(
        os.getenv("DATABASE_URL", f"sqlite:///{BASE_DIR / 'var' / 'bastion.sqlite3'}"),
        # Keep connections open between requests (a new PostgreSQL connection per request
        # costs more than most pages); health checks drop ones the server has closed.
        conn_max_age=envint("DB_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    Path(DATABASES["default"]["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # IMMEDIATE transactions take the write lock up front, so two processes appending to the
    # hash-chained audit log can never both read the same chain head.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    # Tests use a file, not Django's shared in-memory database: the browser tests' live server
    # then has its own connection instead of sharing the test thread's (which races).
    DATABASES["default"]["TEST"] = {
        "NAME": os.getenv("SQLITE_TEST_NAME", str(BASE_DIR / "var" / "test.sqlite3"))
    }
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

CACHES = {
    "default": {
        # Shared by every app process (sign-in throttling must hold across processes).
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "bastion_cache",
        # Django's default of 300 entries would cull sign-in throttling counts at a trust's
        # scale (thousands of members).
        "OPTIONS": {"MAX_ENTRIES": 50_000},
    }
}

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "django.contrib.auth.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation.MinimumLengthValidator",
        "OPTIONS": {"min_length": 12},
    },
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {
        "NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator",
        "OPTIONS": {"user_attributes": ("email", "first_name", "last_name")},
    },
    {
        "NAME": "bastion.accounts.validators.StrengthValidator",
        "OPTIONS": {"min_score": envint("PASSWORD_MIN_SCORE", 3)},
    },
]

SESSION_COOKIE_AGE = envint("SESSION_COOKIE_AGE", 12 * 3600)
SESSION_EXPIRE_AT_BROWSER_CLOSE = True
SESSION_COOKIE_SECURE = HTTPS
CSRF_COOKIE_SECURE = HTTPS
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
SECURE_SSL_REDIRECT = HTTPS and envbool("SECURE_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = envint("SECURE_HSTS_SECONDS", 31536000) if HTTPS else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = HTTPS
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_CSP = {
    "default-src": [CSP.SELF],
    "script-src": [CSP.SELF, CSP.NONCE],
    "style-src": [CSP.SELF],
    "img-src": [CSP.SELF, "data:"],
    "font-src": [CSP.SELF],
    "connect-src": [CSP.SELF],
    "form-action": [CSP.SELF],
    "frame-ancestors": [CSP.NONE],
    "base-uri": [CSP.SELF],
    "object-src": [CSP.NONE],
}
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
DATA_UPLOAD_MAX_MEMORY_SIZE = envint("DATA_UPLOAD_MAX_MEMORY_SIZE", 5 * 1024 * 1024)

# Mail: SMTP when EMAIL_HOST is set, otherwise printed to the console for local use.
_email_port = envint("EMAIL_PORT", 587)
MAILERS = {
    "default": (
        {
            "BACKEND": "django.core.mail.backends.smtp.EmailBackend",
            "OPTIONS": {
                "host": os.environ["EMAIL_HOST"],
                "port": _email_port,
                "username": os.getenv("EMAIL_HOST_USER", ""),
                "password": os.getenv("EMAIL_HOST_PASSWORD", ""),
                "use_tls": envbool("EMAIL_USE_TLS", _email_port == 587),
                "use_ssl": envbool("EMAIL_USE_SSL", False),
                "timeout": envint("EMAIL_TIMEOUT", 20),
            },
        }
        if os.getenv("EMAIL_HOST")
        else {"BACKEND": "django.core.mail.backends.console.EmailBackend"}
    )
}
DEFAULT_FROM_EMAIL = os.getenv("DEFAULT_FROM_EMAIL", "Bastion <bastion@localhost>")

LANGUAGE_CODE = "en-gb"
TIME_ZONE = os.getenv("TIME_ZONE", "Europe/London")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(os.getenv("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "bastion" / "static"]
# Assets are served by Bastion itself (no CDN); in production run collectstatic first.
WHITENOISE_USE_FINDERS = True
# Until collectstatic has run, STATIC_ROOT does not exist; the finders serve the files meanwhile.
warnings.filterwarnings("ignore", message="No directory at")
MEDIA_ROOT = Path(os.getenv("MEDIA_ROOT", BASE_DIR / "var" / "media"))

# django-allauth: personal e-mail accounts, invitation only, MFA.
ACCOUNT_ADAPTER = "bastion.accounts.adapter.AccountAdapter"
ACCOUNT_LOGIN_METHODS = {"email"}
ACCOUNT_SIGNUP_FIELDS = ["email*", "password1*", "password2*"]
ACCOUNT_USER_MODEL_USERNAME_FIELD = None
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_SESSION_REMEMBER = False
ACCOUNT_LOGOUT_ON_PASSWORD_CHANGE = False
ACCOUNT_LOGIN_ON_PASSWORD_RESET = False
ACCOUNT_PASSWORD_RESET_BY_CODE_ENABLED = False
ACCOUNT_REAUTHENTICATION_TIMEOUT = 300
ACCOUNT_RATE_LIMITS = {
    # After five failures for one address (or thirty from one IP) sign-in is refused for a while.
    "login_failed": os.getenv("LOGIN_FAILED_LIMIT", "30/5m/ip,5/15m/key"),
    "reset_password": "5/m/ip,3/10m/key",
    "reauthenticate": "10/m/user",
}
ACCOUNT_EMAIL_SUBJECT_PREFIX = "[Bastion] "
LOGIN_URL = "account_login"
LOGIN_REDIRECT_URL = "home"
ACCOUNT_LOGOUT_REDIRECT_URL = "account_login"
MFA_ADAPTER = "bastion.accounts.adapter.MFAAdapter"
MFA_SUPPORTED_TYPES = ["totp", "webauthn", "recovery_codes"]
MFA_PASSKEY_LOGIN_ENABLED = True
MFA_TOTP_ISSUER = SITE_NAME
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = not HTTPS
MFA_RATE_LIMITS = {"authenticate": "10/m/user"}
MFA_FORMS = {
    # allauth's passkey forms with bounded names, refusing garbled browser answers cleanly.
    "add_webauthn": "bastion.accounts.forms.AddWebAuthnForm",
    "edit_webauthn": "bastion.accounts.forms.EditWebAuthnForm",
}

# Bastion's own defaults; each school can change the idle lock and password age in its settings.
BASTION_IDLE_LOCK_MINUTES = envint("BASTION_IDLE_LOCK_MINUTES", 10)
BASTION_INVITATION_DAYS = envint("BASTION_INVITATION_DAYS", 7)
BASTION_OUTBOX_MAX_ATTEMPTS = envint("BASTION_OUTBOX_MAX_ATTEMPTS", 12)
# Fernet key(s) for files encrypted at rest; derived from SECRET_KEY when empty.
BASTION_FILE_KEY = os.getenv("BASTION_FILE_KEY", "")

# Backups (bastion/backups): the passphrase that encrypts them, never the SECRET_KEY, kept away
# from the server (losing it loses every backup); or a file that holds it. No key: no backups.
BASTION_BACKUP_KEY = os.getenv("BASTION_BACKUP_KEY", "")
BASTION_BACKUP_KEY_FILE = os.getenv("BASTION_BACKUP_KEY_FILE", "")
BASTION_BACKUP_DIR = Path(os.getenv("BASTION_BACKUP_DIR", BASE_DIR / "var" / "backups"))
BASTION_BACKUP_EVERY_HOURS = envint("BASTION_BACKUP_EVERY_HOURS", 24)
BASTION_BACKUP_KEEP = envint("BASTION_BACKUP_KEEP", 14)
BASTION_RESTORE_TEST_DAYS = envint("BASTION_RESTORE_TEST_DAYS", 7)

DEFAULT_EXCEPTION_REPORTER_FILTER = "bastion.lib.reports.ExceptionReporterFilter"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.getenv("LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "INFO"}},
}
