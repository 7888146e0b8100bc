"""Face capture: camera driver and simulator, YuNet detection, quality gates, liveness, and
the capture session that ties them together. Frames and faces stay in memory."""
