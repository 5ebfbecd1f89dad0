"""Sign-in and account forms."""

from flask_wtf import FlaskForm
from wtforms import EmailField, PasswordField, SubmitField
from wtforms.validators import DataRequired, EqualTo, Length

from crm.auth.services import MIN_PASSWORD_LENGTH


class LoginForm(FlaskForm):
    email = EmailField(
        "E-mail", validators=[DataRequired("Enter your e-mail address."), Length(max=254)]
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password."), Length(max=200)]
    )
    submit = SubmitField("Sign in")


class PasswordChangeForm(FlaskForm):
    current_password = PasswordField(
        "Current password", validators=[DataRequired("Enter your current password.")]
    )
    new_password = PasswordField(
        "New password",
        validators=[
            DataRequired("Enter a new password."),
            Length(
                min=MIN_PASSWORD_LENGTH,
                max=200,
                message=f"Use between {MIN_PASSWORD_LENGTH} and 200 characters.",
            ),
        ],
    )
    confirm = PasswordField(
        "Repeat the new password",
        validators=[
            DataRequired("Repeat the new password."),
            EqualTo("new_password", "The two new passwords differ."),
        ],
    )
    submit = SubmitField("Change password")


class ConfirmForm(FlaskForm):
    """An empty form: its CSRF token protects a single-button action."""

    submit = SubmitField("Confirm")
