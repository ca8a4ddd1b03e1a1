/** A product to list in test streams. */
export const SNEAKER = {
  id: 'sku-1',
  title: 'Sneaker',
  price: { amountMinor: 12_900, currency: 'EUR' },
  imageUrl: 'https://cdn.example.com/sneaker.jpg',
  sku: 'SNK-42',
};
