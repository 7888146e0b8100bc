from kiosk.flow import Screen
from PySide6.QtWidgets import QPushButton

def test_smoke(kiosk, shots_dir):
    kiosk.shot(shots_dir, "attract")
    kiosk.click(kiosk.window.pages[Screen.ATTRACT])
    kiosk.wait_screen(Screen.HOME)
    kiosk.shot(shots_dir, "home")
