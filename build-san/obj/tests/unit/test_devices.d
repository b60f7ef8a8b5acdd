build-san/obj/tests/unit/test_devices.o: tests/unit/test_devices.c \
 include/retour/camera.h include/retour/gpio.h include/retour/printer.h \
 include/retour/scale.h include/retour/scanner.h
include/retour/camera.h:
include/retour/gpio.h:
include/retour/printer.h:
include/retour/scale.h:
include/retour/scanner.h:
