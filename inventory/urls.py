from __future__ import annotations

from django.urls import path

from inventory import views

urlpatterns = [
    path("", views.stock_list, name="inventory-list"),
    path("upload/", views.upload_file, name="inventory-upload"),
    path("upload/<int:upload_id>/", views.upload_detail, name="inventory-upload-detail"),
    path("upload/<int:upload_id>/progress", views.upload_progress, name="inventory-upload-progress"),
    path("upload/<int:upload_id>/apply/", views.upload_apply, name="inventory-upload-apply"),
    path("upload/<int:upload_id>/discard/", views.upload_discard, name="inventory-upload-discard"),
]
