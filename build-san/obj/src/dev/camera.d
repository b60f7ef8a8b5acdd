build-san/obj/src/dev/camera.o: src/dev/camera.c include/retour/camera.h
include/retour/camera.h:
