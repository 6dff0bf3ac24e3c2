from django import forms
from django.core.exceptions import ValidationError

# Larger bundles go through `ccms import`, which has no upload limit and shows progress.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024


class BundleUploadForm(forms.Form):
    bundle = forms.FileField(
        label="Bundle (.zip)",
        help_text="A .zip archive of manifest.json and the CSV files, as the export makes it.",
        widget=forms.ClearableFileInput(attrs={"accept": ".zip,application/zip"}),
    )

    def clean_bundle(self):
        upload = self.cleaned_data["bundle"]
        if not upload.name.lower().endswith(".zip"):
            raise ValidationError("Upload a .zip archive holding the bundle's files.")
        if upload.size > MAX_UPLOAD_BYTES:
            limit = MAX_UPLOAD_BYTES // (1024 * 1024)
            raise ValidationError(
                f"The file is larger than {limit} MB; ask an administrator to run "
                "`ccms import` with it instead."
            )
        return upload
