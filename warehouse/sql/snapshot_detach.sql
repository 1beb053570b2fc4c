-- Done writing the snapshot file.
detach snapshot  -- noqa: PRS
