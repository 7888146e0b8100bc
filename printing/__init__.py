"""Certificates with verifiable electronic seals.

Entry points: `printing.issue.CertificateIssuer` / `issue_certificate` (render, seal, sign),
`printing.verify.verify_certificate`, `printing.signer.SealSigner` / `SealKeyring`,
`printing.demo_pki.ensure_demo_pki`, `printing.registry.CertificateRegistry`.
Imports plain data types from services_catalog only; never kiosk, devices or Qt.
"""
