"""Forms of the staff area. Password rules live in `security`; here only their wording."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, EqualTo, Length, ValidationError

from portal.common.choices import options
from portal.staff.models import StaffRole
from portal.staff.nav import ROLE_LABELS
from portal.staff.security import MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH

#: What each refusal of `services.StaffAccountError` says to a person.
ACCOUNT_ERRORS = {
    "email_invalid": _l("Enter a valid e-mail address."),
    "email_taken": _l("A staff account with this e-mail address already exists."),
    "name_invalid": _l("Enter a name of at most 120 characters."),
    "password_too_short": _l("Use at least %(n)d characters.", n=MIN_PASSWORD_LENGTH),
    "password_too_long": _l("Use at most %(n)d characters.", n=MAX_PASSWORD_LENGTH),
    "password_is_email": _l("The password must not be your e-mail address."),
    "password_common": _l("This password is among the most used ones and easily guessed. Choose another, e.g. a few unrelated words."),
    "current_password_wrong": _l("Your current password is not correct."),
    "last_admin": _l("This is the last active administrator: make another administrator first."),
    "no_2fa": _l("Two-factor authentication is not set up."),
    "language_invalid": _l("Choose a language from the list."),
}


def role_choices() -> list[SelectChoice]:
    return options((role.value, ROLE_LABELS[role]) for role in StaffRole)


def _email_shape(form, field) -> None:
    value = (field.data or "").strip()
    if "@" not in value or any(ch.isspace() for ch in value):
        raise ValidationError(ACCOUNT_ERRORS["email_invalid"])


class LoginForm(FlaskForm):
    email = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=254)])
    password = PasswordField(_l("Password"), validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)])


class CodeForm(FlaskForm):
    """A 6-digit authenticator code, or a recovery code at the log-in step."""

    code = StringField(_l("Code"), validators=[DataRequired(), Length(max=32)])


class NewPasswordMixin:
    new_password = PasswordField(
        _l("New password"),
        # The length and other rules are checked by the service, in the words of ACCOUNT_ERRORS.
        validators=[DataRequired(), Length(max=MAX_PASSWORD_LENGTH)],
        description=_l("At least %(n)d characters. A long phrase is easier to remember than a short jumble.", n=MIN_PASSWORD_LENGTH),
    )
    confirm_password = PasswordField(
        _l("New password again"),
        validators=[DataRequired(), EqualTo("new_password", message=_l("The two passwords differ."))],
    )


class ChangePasswordForm(NewPasswordMixin, FlaskForm):
    current_password = PasswordField(_l("Current password"), validators=[DataRequired()])


class SetPasswordForm(NewPasswordMixin, FlaskForm):
    pass


class ConfirmPasswordForm(FlaskForm):
    """Re-enter the password before a sensitive change (new recovery codes)."""

    password = PasswordField(_l("Current password"), validators=[DataRequired()])


class StaffCreateForm(FlaskForm):
    name = StringField(_l("Name"), validators=[DataRequired(), Length(max=120)])
    email = StringField(_l("E-mail address"), validators=[DataRequired(), Length(max=254), _email_shape])
    role = SelectField(_l("Role"), choices=role_choices, default=StaffRole.AGENT.value)


class RoleForm(FlaskForm):
    role = SelectField(_l("Role"), choices=role_choices)


class ConfirmForm(FlaskForm):
    """A button: only the CSRF token (log out, deactivate, reset 2FA …)."""


class NotificationSettingsForm(FlaskForm):
    """The mail the portal sends a staff member about their requests, and its language."""

    notify_on_assignment = BooleanField(_l("Mail me when a colleague assigns a request to me, or (managers) "
                                           "when a decision awaits my approval"))
    notify_on_reply = BooleanField(_l("Mail me when a requester writes on an open request assigned to me"))
    language = SelectField(_l("Language of the portal's mail to me"), choices=options([("ja", "日本語"), ("en", "English")]),
                           validate_choice=True)
