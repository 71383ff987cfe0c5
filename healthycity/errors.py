"""Exception hierarchy: user errors are shown plainly, anything else is a bug."""


class HealthyCityError(Exception):
    """Base class of every error raised on purpose by healthycity."""


class UserError(HealthyCityError):
    """Bad input or configuration: shown without a traceback (HTTP 4xx, CLI exit 1)."""


class ValidationError(UserError, ValueError):
    """A value, record or file does not have the expected shape or range."""


class NotFoundError(UserError, LookupError):
    """A referenced object (territory, token…) does not exist."""


class AuthenticationError(UserError):
    """No credentials, or credentials that do not identify anyone (HTTP 401)."""


class PermissionDeniedError(UserError):
    """Credentials are valid but the role or scope does not allow the action (HTTP 403)."""


class RecordError(ValidationError):
    """One record of an input file is wrong: says where, which field, the value and why."""

    def __init__(
        self, *, source: str, location: str, field: str, value: object, expected: str
    ) -> None:
        self.source = source
        self.location = location
        self.field = field
        self.value = value
        self.expected = expected
        super().__init__(f"{source}, {location}: {field}={value!r}; expected {expected}.")
