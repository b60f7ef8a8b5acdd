build-san/obj/src/dev/camera_dir.o: src/dev/camera_dir.c \
 include/retour/camera.h
include/retour/camera.h:
