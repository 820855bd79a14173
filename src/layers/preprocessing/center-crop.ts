import type { Tensor } from '../../core/tensor.js';
import { slice } from '../../ops/slice.js';
import { checkOptionNames, optionNames } from '../../utils/option-names.js';
import type { CallOptions, LayerArgs, SymbolicShape } from '../layer.js';
import { LAYER_ARG_NAMES, Layer } from '../layer.js';
import { aspectCropBox, resizeImages } from './image-resampling.js';
import { channelsLastOnly, checkImageShape, onBatch } from './image-layer.js';
import { checkSize } from './resizing.js';

export interface CenterCropArgs extends LayerArgs {
  dataFormat?: 'channels_last' | null;
}

const CENTER_CROP_ARG_NAMES = [
  ...LAYER_ARG_NAMES,
  ...optionNames<Omit<CenterCropArgs, keyof LayerArgs>>()(['dataFormat']),
];

/**
 * Keras's CenterCrop: the central [height, width] box of each image, always active. An image
 * smaller than the box along either axis is instead cropped to the box's aspect ratio and
 * resized (bilinear), as Keras's smart_resize.
 */
export class CenterCrop extends Layer {
  readonly height: number;
  readonly width: number;

  constructor(height: number, width: number, args: CenterCropArgs = {}) {
    checkOptionNames('CenterCrop', args, CENTER_CROP_ARG_NAMES);
    const { dataFormat, ...rest } = args;
    super(rest);
    channelsLastOnly('CenterCrop', dataFormat);
    this.height = checkSize('CenterCrop', 'height', height);
    this.width = checkSize('CenterCrop', 'width', width);
  }

  override call(x: Tensor, _options: CallOptions): Tensor {
    return onBatch(this, x, (b) => {
      const [n, h, w, c] = b.shape as [number, number, number, number];
      if (h >= this.height && w >= this.width) {
        const top = Math.floor((h - this.height) / 2);
        const left = Math.floor((w - this.width) / 2);
        return slice(b, [0, top, left, 0], [n, this.height, this.width, c]);
      }
      const box = aspectCropBox(h, w, this.height, this.width);
      const cropped = slice(b, [0, box.top, box.left, 0], [n, box.h, box.w, c]);
      return resizeImages(cropped, this.height, this.width, 'bilinear');
    });
  }

  override computeOutputShape(s: SymbolicShape): SymbolicShape {
    checkImageShape(this, s);
    return s.length === 4 ? [s[0]!, this.height, this.width, s[3]!] : [this.height, this.width, s[2]!];
  }

  override getConfig(): Record<string, unknown> {
    return { ...super.getConfig(), height: this.height, width: this.width, data_format: 'channels_last' };
  }
}
