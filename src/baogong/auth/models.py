"""Accounts, roles and the tokens behind browser sessions and API bearer tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, DateTime, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from baogong.db import Base
from baogong.i18n import N_
from baogong.types import enum_col, utcnow


class Role(StrEnum):
    """What a user does; the role decides which resources exist for them at all."""

    COMMAND = "command"
    ENTERPRISE = "enterprise"
    COMMUNITY = "community"
    DRIVER = "driver"
    VOLUNTEER = "volunteer"
    INSPECTOR = "inspector"


ROLE_LABELS: dict[Role, str] = {
    Role.COMMAND: N_("command centre"),
    Role.ENTERPRISE: N_("supply enterprise"),
    Role.COMMUNITY: N_("community worker"),
    Role.DRIVER: N_("driver"),
    Role.VOLUNTEER: N_("volunteer"),
    Role.INSPECTOR: N_("inspector"),
}


class TokenKind(StrEnum):
    """A browser session (cookie, with CSRF) or an API bearer token."""

    SESSION = "session"
    API = "api"


class User(Base):
    """A person who signs in, with the record that bounds what they see.

    Enterprise users are tied to their enterprise, community workers to a region (a community
    or a subdistrict), drivers to a vehicle, volunteers to their volunteer record.
    """

    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(60), unique=True)
    display_name: Mapped[str] = mapped_column(String(80), default="")
    role: Mapped[Role] = mapped_column(enum_col(Role))
    password_hash: Mapped[str] = mapped_column(String(200))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    region_id: Mapped[int | None] = mapped_column(ForeignKey("regions.id"), index=True)
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("vehicles.id"), index=True)
    volunteer_id: Mapped[int | None] = mapped_column(ForeignKey("volunteers.id"), index=True)
    lang: Mapped[str | None] = mapped_column(String(8))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)

    tokens: Mapped[list[AuthToken]] = relationship(back_populates="user",
                                                   cascade="all, delete-orphan")


class AuthToken(Base):
    """A secret handed to a browser or an API client; only its SHA-256 is stored."""

    __tablename__ = "auth_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    kind: Mapped[TokenKind] = mapped_column(enum_col(TokenKind))
    csrf: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(back_populates="tokens")
