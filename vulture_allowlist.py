# Names vulture (`make lint`) cannot see being used: read by a framework, a template, a
# library or the database, never called by our own code. Never executed. Routes, commands
# and fixtures are recognised by their decorators (pyproject.toml, [tool.vulture]).
# ruff: noqa
# type: ignore

# Pydantic response fields, serialised by FastAPI.
access_token, token_type, next_cursor, book_before, adjustment, category
site_name, compound_name, product_name, team_name, volunteer_name

# Dataclass fields read only by Jinja templates.
driver, hidden, _.hidden, kind_value

# SQLAlchemy: mapped columns and relationships (database schema), TypeDecorator hooks.
tokens, user_id, submitted_at, reported_by, reported_at, resolved
override_by, override_reason, name_zh, name_en
impl, cache_ok, _.impl, _.process_bind_param, _.process_result_value
_.isolation_level  # sqlite3 connection attribute set in the connect hook

# Enum members stored in or read from the database and the workbooks.
LOGISTICS, LIAISON, GCJ02

# Alembic's hook signature (migrations/env.py).
autogen_context

# Attributes of third-party objects we set: openpyxl styles, highspy's HighsLp, OR-Tools.
_.font, _.freeze_panes
_.num_col_, _.num_row_, _.col_cost_, _.col_lower_, _.col_upper_, _.row_lower_, _.row_upper_
_.format_, _.start_, _.index_, _.value_, _.sense_, _.integrality_
_.first_solution_strategy, _.local_search_metaheuristic

# pytest hooks and module marks; City fields the auth matrix reads through str.format.
pytest_generate_tests, pytestmark
own_handoff, other_volunteer, other_handoff, _.own_handoff, _.other_volunteer, _.other_handoff

# Read by templates (base.html).
role_label
