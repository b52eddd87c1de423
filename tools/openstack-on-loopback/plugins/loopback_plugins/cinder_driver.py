"""A Cinder volume driver for an OpenStack with no storage on 127.0.0.1.

Cinder's own fake driver (``cinder.tests.fake_driver.FakeLoggingVolumeDriver``) records
volumes without touching a disk and answers attachments with a fake connection, which
Nova's fake virt driver accepts. It still writes an image's bytes into the volume's LVM
device when a volume is made from an image (after ``qemu-img info`` through privsep and
sudo): here the driver "clones" the image instead, so Cinder copies the image's metadata
into the volume (``volume_image_metadata``) and no byte is read. Volumes made from images
(boot from volume) become available that way. Everything else is Cinder's.
"""

from __future__ import annotations

from cinder.tests.fake_driver import FakeLoggingVolumeDriver


class LoopbackVolumeDriver(FakeLoggingVolumeDriver):
    """Cinder's fake driver, without the image copies a missing disk cannot take."""

    def clone_image(self, context, volume, image_location, image_meta, image_service):
        """Make the volume as if the image had been cloned into it: (no model update, cloned)."""
        self.create_volume(volume)
        return None, True

    def copy_image_to_volume(self, context, volume, image_service, image_id, disable_sparse=False):
        """Nothing to copy into: the volume has no device."""

    def copy_volume_to_image(self, context, volume, image_service, image_meta):
        """Nothing to upload from: the volume has no device."""
