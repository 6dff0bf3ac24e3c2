"""Form helpers every view shares."""

from django.core.exceptions import ValidationError


def show_validation_error(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form: each message beside the field it names, the
    rest at the top of the form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)
