"""django-otp registers its devices in Django admin, where secrets (and a QR code of them) would be
shown to any superuser. Enrolment and reset go only through this app's pages and the security admin."""

from django.contrib import admin
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

for model in (TOTPDevice, StaticDevice):
    if admin.site.is_registered(model):
        admin.site.unregister(model)
