build-san/obj/src/daemon/station.o: src/daemon/station.c \
 include/retour/camera.h include/retour/civil_time.h \
 include/retour/code.h include/retour/expected_json.h \
 include/retour/returns.h include/retour/rules.h include/retour/gpio.h \
 include/retour/label.h include/retour/outbox.h include/retour/photo.h \
 include/retour/printer.h include/retour/scale.h include/retour/scanner.h \
 include/retour/station.h include/retour/config.h include/retour/store.h \
 include/retour/workflow.h include/retour/checklist.h
include/retour/camera.h:
include/retour/civil_time.h:
include/retour/code.h:
include/retour/expected_json.h:
include/retour/returns.h:
include/retour/rules.h:
include/retour/gpio.h:
include/retour/label.h:
include/retour/outbox.h:
include/retour/photo.h:
include/retour/printer.h:
include/retour/scale.h:
include/retour/scanner.h:
include/retour/station.h:
include/retour/config.h:
include/retour/store.h:
include/retour/workflow.h:
include/retour/checklist.h:
