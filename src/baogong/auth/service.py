"""Users, password hashes (argon2) and tokens. Functions never commit."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import UTC, datetime, timedelta
from functools import cache
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from baogong.auth.models import AuthToken, Role, TokenKind, User
from baogong.auth.scope import Scope
from baogong.delivery.models import Vehicle
from baogong.errors import Conflict, DomainError, NotFound
from baogong.i18n import N_
from baogong.ledger.service import get_enterprise
from baogong.regions.models import RegionLevel
from baogong.regions.service import get_region
from baogong.types import utcnow
from baogong.workforce.models import Volunteer

_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not a password")
MIN_PASSWORD = 8
SESSION_HOURS = 12
API_TOKEN_HOURS = 24

BOUND_BY = {Role.ENTERPRISE: "org", Role.COMMUNITY: "community", Role.DRIVER: "vehicle",
            Role.VOLUNTEER: "volunteer"}


def hash_password(password: str) -> str:
    """An argon2id hash of the password."""
    return _hasher.hash(password)


def create_user(session: Session, *, username: str, role: Role, password: str,
                display_name: str = "", org: str | None = None, community: str | None = None,
                vehicle: str | None = None, volunteer: str | None = None,
                lang: str | None = None) -> User:
    """Add a user; bounded roles need their record (enterprise, community, vehicle, volunteer)."""
    record = f"user {username}"
    username = username.strip()
    if not username or len(username) > 60:
        raise DomainError(N_("A user name needs 1 to 60 characters"), record=record,
                          field="username")
    if session.scalar(select(User.id).where(User.username == username)) is not None:
        raise Conflict(N_("User {name} already exists"), record=record, field="username",
                       name=username)
    check_password(password, record=record)
    user = User(username=username, display_name=display_name or username, role=role,
                password_hash=hash_password(password), lang=lang)
    given = {"org": org, "community": community, "vehicle": vehicle, "volunteer": volunteer}
    needed = BOUND_BY.get(role)
    if needed and not given[needed]:
        raise DomainError(N_("A {role} user needs --{option}"), record=record, field=needed,
                          role=role.value, option=needed)
    if org:
        user.enterprise_id = get_enterprise(session, credit_code_=org).id
    if community:
        region = get_region(session, code=community)
        if region.level in (RegionLevel.CITY, RegionLevel.DISTRICT, RegionLevel.COMPOUND):
            raise DomainError(N_("A community worker belongs to a community, subdistrict or "
                                 "town, not to a {level}"), record=record, field="community",
                              level=region.level.value)
        user.region_id = region.id
    if vehicle:
        v = session.scalar(select(Vehicle).where(Vehicle.plate == vehicle))
        if v is None:
            raise NotFound(N_("Unknown vehicle {plate}"), record=record, field="vehicle",
                           plate=vehicle)
        user.vehicle_id = v.id
    if volunteer:
        vol = session.scalar(select(Volunteer).where(Volunteer.code == volunteer))
        if vol is None:
            raise NotFound(N_("Unknown volunteer {code}"), record=record, field="volunteer",
                           code=volunteer)
        user.volunteer_id = vol.id
    session.add(user)
    session.flush()
    return user


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of common passwords (lower case), read once."""
    text = resources.files("baogong.auth").joinpath("common_passwords.txt").read_text("utf-8")
    return frozenset(line for line in text.splitlines() if line and not line.startswith("#"))


def check_password(password: str, *, record: str) -> None:
    """Refuse a password that is too short or among the most common ones."""
    if len(password) < MIN_PASSWORD:
        raise DomainError(N_("A password needs at least {n} characters"), record=record,
                          field="password", n=MIN_PASSWORD)
    if password.strip().lower() in common_passwords():
        raise DomainError(N_("This password is one of the most common ones and easy to guess; "
                             "choose another"), record=record, field="password")


def set_password(session: Session, *, user: User, password: str) -> None:
    """Change a user's password; every token of the user is revoked."""
    check_password(password, record=f"user {user.username}")
    user.password_hash = hash_password(password)
    revoke_user_tokens(session, user_id=user.id)


def set_active(session: Session, *, user: User, active: bool) -> None:
    """Activate or deactivate a user; deactivating revokes every token of the user."""
    user.active = active
    if not active:
        revoke_user_tokens(session, user_id=user.id)
    session.flush()


def get_user(session: Session, *, username: str) -> User:
    """The user with this name; NotFound otherwise."""
    user = session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(N_("Unknown user {name}"), record=f"user {username}", field="username",
                       name=username)
    return user


def authenticate(session: Session, *, username: str, password: str) -> User | None:
    """The active user if the password matches; None otherwise (same work either way)."""
    user = session.scalar(select(User).where(User.username == username))
    try:
        if user is None or not user.active:
            _hasher.verify(_DUMMY, password)
            return None
        _hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(session: Session, *, user: User, kind: TokenKind) -> tuple[str, AuthToken]:
    """A new secret for the user; returns the secret (shown once) and its stored row."""
    secret = secrets.token_urlsafe(32)
    hours = SESSION_HOURS if kind is TokenKind.SESSION else API_TOKEN_HOURS
    row = AuthToken(token_hash=_digest(secret), user=user, kind=kind,
                    csrf=secrets.token_urlsafe(24) if kind is TokenKind.SESSION else "",
                    expires_at=utcnow() + timedelta(hours=hours))
    session.add(row)
    session.flush()
    return secret, row


def resolve_token(session: Session, *, secret: str, kind: TokenKind) -> AuthToken | None:
    """The live token of this secret and kind, with its active user; None otherwise."""
    row = session.scalar(select(AuthToken).where(AuthToken.token_hash == _digest(secret),
                                                 AuthToken.kind == kind))
    if row is None:
        return None
    if seconds_left(row) <= 0 or not row.user.active:
        return None
    return row


def seconds_left(row: AuthToken) -> float:
    """How long a token stays valid (SQLite hands back naive UTC datetimes)."""
    expires = row.expires_at if row.expires_at.tzinfo else row.expires_at.replace(tzinfo=UTC)
    return (expires - datetime.now(UTC)).total_seconds()


def revoke_token(session: Session, *, secret: str) -> None:
    """Forget a token (sign out)."""
    session.execute(delete(AuthToken).where(AuthToken.token_hash == _digest(secret)))


def revoke_user_tokens(session: Session, *, user_id: int) -> None:
    """Forget every token of a user (password changed, account deactivated)."""
    session.execute(delete(AuthToken).where(AuthToken.user_id == user_id))
    session.flush()


def device_mark(user: User) -> str:
    """What a browser or client keeps after signing in as this user: proof that it signed in
    before, checked when the user name is over its attempt limit. It is keyed with the stored
    password hash, so it cannot be made without the database and dies with the password."""
    mac = hmac.new(user.password_hash.encode(), f"device:{user.id}".encode(), "sha256")
    return f"{user.id}.{mac.hexdigest()}"


def known_device(session: Session, *, username: str, mark: str | None) -> bool:
    """Whether `mark` was handed to a client that signed in as this user before."""
    user = session.scalar(select(User).where(User.username == username))
    return bool(mark) and user is not None and hmac.compare_digest(mark or "",
                                                                   device_mark(user))


def scope_of(session: Session, user: User) -> Scope:
    """The scope of a user: the records that bound every query made for them."""
    path = team_id = None
    if user.role is Role.COMMUNITY and user.region_id is not None:
        from baogong.regions.models import Region

        region = session.get(Region, user.region_id)
        path = region.path if region else None
    if user.volunteer_id is not None:
        vol = session.get(Volunteer, user.volunteer_id)
        team_id = vol.team_id if vol else None
        if vol is not None and vol.team is not None and vol.team.region_id is not None:
            from baogong.regions.models import Region

            region = session.get(Region, vol.team.region_id)
            path = region.path if region else None
    return Scope(user=user.username, role=user.role, enterprise_id=user.enterprise_id,
                 region_path=path, vehicle_id=user.vehicle_id, volunteer_id=user.volunteer_id,
                 team_id=team_id)
