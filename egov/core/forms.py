"""Form pieces shared by the apps."""
from django import forms

__all__ = ["MultipleFileInput", "MultipleFileField"]


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Several files in one field (the pattern of Django's documentation); cleans to a list."""

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput())
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        files = [d for d in data if d] if isinstance(data, (list, tuple)) else ([data] if data else [])
        if not files:
            # A required field raises its "required" error here; an optional one is an empty list.
            return [single(None, initial)] if self.required else []
        return [single(f, initial) for f in files]
