"""``{% load masking %}``: ``{{ value|mask_phone }}`` and ``{{ value|mask_id_number }}``.

Templates should normally receive values already decided by ``inspectors.permissions.personal_data``;
these filters exist for places that only ever show the masked form.
"""

from django import template

from inspectors import masking

register = template.Library()
register.filter("mask_phone", masking.mask_phone, is_safe=True)
register.filter("mask_id_number", masking.mask_id_number, is_safe=True)
