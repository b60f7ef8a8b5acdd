build-san/obj/src/dev/gpio_sim.o: src/dev/gpio_sim.c \
 include/retour/gpio.h
include/retour/gpio.h:
