/** Boot: the first scene. Nothing to load from the network, so it only hands over to the Preloader. */
import * as Phaser from "phaser";
import { COLORS } from "../style.ts";

export class Boot extends Phaser.Scene {
  constructor() {
    super("Boot");
  }

  create(): void {
    this.cameras.main.setBackgroundColor(COLORS.background);
    this.scene.start("Preloader");
  }
}
