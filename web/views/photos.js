// Photos chosen on the report page and in the handling forms: checked the
// moment they are chosen (the server takes JPEG, PNG and WebP only) and
// made small before they are sent.

export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'];
export const PHOTO_ACCEPT = PHOTO_TYPES.join(',');

const SHRINK_ABOVE = 1.5 * 1024 * 1024;
export const MAX_SIDE = 2048;

// Whether the server will take this file as a photo. Some pickers give no
// type; then the name's ending decides.
export function isPhotoType(file) {
  if (file.type) return PHOTO_TYPES.includes(file.type.toLowerCase());
  return /\.(jpe?g|png|webp)$/i.test(file.name || '');
}

export class UnreadablePhoto extends Error {}

// Phone photos are often 5-10 MB and 12-50 megapixels; sending them at
// most 2048 px on the long side saves the resident's data and time (the
// server re-encodes anyway). A photo larger than that in pixels is always
// made smaller, however few bytes it has; one within it only when its
// bytes are many and re-encoding saves some. A file the browser cannot
// decode is refused here rather than by the server after the upload.
export async function shrink(file) {
  if (!window.createImageBitmap) return file;
  let bmp;
  try {
    bmp = await createImageBitmap(file);
  } catch (_) {
    throw new UnreadablePhoto(file.name || '');
  }
  try {
    const long = Math.max(bmp.width, bmp.height);
    const scale = Math.min(1, MAX_SIDE / long);
    if (scale === 1 && file.size <= SHRINK_ABOVE) return file;
    const w = Math.max(1, Math.round(bmp.width * scale));
    const hgt = Math.max(1, Math.round(bmp.height * scale));
    const canvas = document.createElement('canvas');
    canvas.width = w;
    canvas.height = hgt;
    const g = canvas.getContext('2d');
    g.fillStyle = '#fff'; // a transparent PNG becomes a JPEG on white
    g.fillRect(0, 0, w, hgt);
    g.imageSmoothingQuality = 'high';
    g.drawImage(bmp, 0, 0, w, hgt);
    const blob = await new Promise((res) => canvas.toBlob(res, 'image/jpeg', 0.85));
    canvas.width = 0;
    canvas.height = 0;
    if (!blob) return file;
    if (scale === 1 && blob.size >= file.size) return file;
    return new File([blob], (file.name || 'photo').replace(/\.\w+$/, '') + '.jpg', { type: 'image/jpeg' });
  } catch (_) {
    return file;
  } finally {
    bmp.close?.();
  }
}
